// Stand-in for veutil's VeQuickItem (inc/veutil/qt/ve_quick_item.hpp, gui-v2 branch): reads
// values from the harness's MockBackend instead of D-Bus or MQTT.
import QtQml
import SmallBmsHarness

QtObject {
	id: item

	property string uid
	property var value: {
		MockBackend.revision
		return item.uid.length > 0 ? MockBackend.valueOf(item.uid) : undefined
	}
	readonly property bool valid: item.value !== undefined && item.value !== null
	property string text: {
		MockBackend.revision
		return MockBackend.textOf(item.uid)
	}
	readonly property var defaultValue: undefined
	property real min: NaN
	property real max: NaN
	readonly property bool seen: item.valid
	property bool isSetting
	property string unit
	property int decimals
	property string invalidText: "--"

	function setValue(newValue) {
		return MockBackend.write(item.uid, newValue)
	}

	function getValue(force) {
		return item.value
	}
}
