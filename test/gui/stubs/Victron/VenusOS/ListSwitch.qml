// Stand-in for gui-v2's ListSwitch (components/listitems/core/ListSwitch.qml).
import QtQuick

ListSetting {
	id: root

	readonly property alias dataItem: dataItem
	readonly property bool defaultInteractive: (dataItem.uid === "" || dataItem.valid)
	property bool checked: invertSourceValue ? dataItem.value === valueFalse : dataItem.value === valueTrue
	property bool checkable
	property string secondaryText
	property bool updateDataOnClick: true
	property bool invertSourceValue
	property var valueTrue: 1
	property var valueFalse: 0

	signal clicked

	function click() {
		if (!root.checkWriteAccessLevel() || !root.clickable) {
			return
		}
		if (root.updateDataOnClick) {
			root.toggleDataValue()
		}
		root.clicked()
	}

	function toggleDataValue() {
		if (root.dataItem.uid.length > 0) {
			if (root.invertSourceValue) {
				root.dataItem.setValue(checked ? valueTrue : valueFalse)
			} else {
				root.dataItem.setValue(checked ? valueFalse : valueTrue)
			}
		}
	}

	interactive: defaultInteractive

	contentItem: Item {
		implicitWidth: Theme.geometry_listItem_width
		implicitHeight: labels.implicitHeight

		StubLabels {
			id: labels
			anchors.left: parent.left
			anchors.right: parent.right
			primaryText: root.text
			textFormat: root.textFormat
			secondaryText: root.secondaryText
			captionText: root.caption
			trailingSpace: groove.width + 16
		}

		Rectangle {
			id: groove
			anchors.right: parent.right
			anchors.top: parent.top
			width: 64
			height: 32
			radius: 16
			color: root.checked ? Theme.color_blue : Theme.color_gray2
			border.color: Theme.color_gray4

			Rectangle {
				x: root.checked ? parent.width - width - 4 : 4
				anchors.verticalCenter: parent.verticalCenter
				width: 24
				height: 24
				radius: 12
				color: Theme.color_white
			}

			TapHandler {
				onTapped: root.click()
			}
		}
	}

	VeQuickItem {
		id: dataItem
	}
}
