// Stand-in for gui-v2's ListText (components/listitems/core/ListText.qml).
import QtQuick

ListSetting {
	id: root

	readonly property alias dataItem: dataItem
	property string secondaryText: dataItem.valid ? dataItem.value : ""
	property color secondaryTextColor: Theme.color_listItem_secondaryText

	contentItem: StubLabels {
		primaryText: root.text
		textFormat: root.textFormat
		secondaryText: root.secondaryText
		secondaryColor: root.secondaryTextColor
		captionText: root.caption
	}

	VeQuickItem {
		id: dataItem
	}
}
