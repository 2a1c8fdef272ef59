// Stand-in for gui-v2's ListNavigation (components/listitems/core/ListNavigation.qml).
import QtQuick

ListSetting {
	id: root

	property string secondaryText
	property color secondaryTextColor: Theme.color_listItem_secondaryText
	property string iconSource
	property color iconColor: Theme.color_listItem_forwardIcon

	signal clicked

	function click() {
		if (root.clickable) {
			root.clicked()
		}
	}

	interactive: true

	contentItem: StubLabels {
		primaryText: root.text
		textFormat: root.textFormat
		secondaryText: root.secondaryText + "  ›"
		secondaryColor: root.secondaryTextColor
		captionText: root.caption
	}
}
