// Stand-in for gui-v2's ListButton (components/listitems/core/ListButton.qml).
import QtQuick

ListSetting {
	id: root

	property string secondaryText
	property int secondaryFontSize: Theme.font_listItem_secondary_size
	property color buttonBorderColor: Theme.color_blue
	property color buttonBackgroundColor: "transparent"
	property bool readOnly: false

	signal clicked

	function click() {
		if (readOnly || !root.checkWriteAccessLevel() || !root.clickable) {
			return
		}
		root.clicked()
	}

	interactive: true

	contentItem: Item {
		implicitWidth: Theme.geometry_listItem_width
		implicitHeight: Math.max(labels.implicitHeight, button.height)

		StubLabels {
			id: labels
			anchors.left: parent.left
			anchors.right: parent.right
			primaryText: root.text
			textFormat: root.textFormat
			captionText: root.caption
			trailingSpace: button.width + 16
		}

		Rectangle {
			id: button
			anchors.right: parent.right
			anchors.top: parent.top
			width: Math.max(96, buttonLabel.implicitWidth + 32)
			height: 36
			radius: 6
			color: root.buttonBackgroundColor
			border.color: root.readOnly ? "transparent" : root.buttonBorderColor
			border.width: 2

			Label {
				id: buttonLabel
				anchors.centerIn: parent
				text: root.secondaryText
				font.pixelSize: root.secondaryFontSize
			}

			TapHandler {
				onTapped: root.click()
			}
		}
	}
}
