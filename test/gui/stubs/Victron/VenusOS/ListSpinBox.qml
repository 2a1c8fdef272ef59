// Stand-in for gui-v2's ListSpinBox (components/listitems/core/ListSpinBox.qml). The real one
// opens a NumberSelectorDialog; the stand-in only shows the value.
import QtQuick

ListButton {
	id: root

	readonly property alias dataItem: dataItem
	property real value: dataItem.valid ? dataItem.value : 0
	property string suffix
	property int decimals
	property real from: !isNaN(dataItem.min) ? dataItem.min : 0
	property real to: !isNaN(dataItem.max) ? dataItem.max : 2147483647 / Math.pow(10, decimals)
	property real stepSize: 1
	property var presets: []
	property string fromErrorText
	property string toErrorText

	signal selectorAccepted(var newValue)

	secondaryText: root.value.toFixed(root.decimals) + root.suffix
	interactive: (dataItem.uid === "" || dataItem.valid)

	VeQuickItem {
		id: dataItem
	}
}
