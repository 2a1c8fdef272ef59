/*
** dbus-smallbms gui-v2 plugin: the page added to the device page of our battery service.
**
** gui-v2 (components/DevicePage.qml) lists this page for every device whose /ProductId,
** formatted by Utils.toHexFormat(), equals the integration's productId ("0xB0F1"), and opens
** it with Global.pageManager.pushPage(url, { "device": device }). So the root is a Page with
** a required `device` property of gui-v2's Device type; device.serviceUid is the uid prefix
** of our service ("dbus/com.victronenergy.battery.smallbms" on D-Bus, "mqtt/battery/<n>" in
** the Remote Console).
**
** The sections are files of their own: SmallBmsOverview (state, countdowns, last event,
** battery), SmallBmsOutputs (what the engine wants and what the relays have), SmallBmsLines,
** SmallBmsAlarms, SmallBmsControl (remote, dry run), SmallBmsRelayTest (commissioning) and
** SmallBmsTunables. Texts the service words (last event, differences, test results) are shown
** as the service gives them: in the GX's time zone and in plain words.
*/

import QtQuick
import Victron.VenusOS

Page {
	id: root

	required property Device device

	readonly property string bindPrefix: root.device ? root.device.serviceUid : ""

	// Settings of this bank live under /Settings/SmallBms/<bank>/. The service may publish
	// /Bms/Bank; otherwise the bank is read from the D-Bus service name
	// (com.victronenergy.battery.smallbms_<bank>), and is "Default" for the first bank.
	readonly property string bank: {
		if (bankItem.valid && String(bankItem.value).length > 0) {
			return String(bankItem.value)
		}
		const match = /smallbms_([A-Za-z0-9_]+)$/.exec(root.bindPrefix)
		return match ? match[1] : "Default"
	}
	readonly property string settingsPrefix: Global.systemSettings.serviceUid + "/Settings/SmallBms/" + root.bank

	// smallBMS NG colour language: green = normal, red blinking = warning, red steady = alarm.
	// -1 = neutral (starting, remote off, unknown).
	readonly property int level: {
		if (!stateItem.valid) {
			return -1
		}
		const s = stateItem.value
		let l = -1
		if (s === 1) {
			l = 0
		} else if (s === 2) {
			l = 1
		} else if (s === 3 || s === 4 || s === 6) {
			l = 2
		}
		const worstAlarm = Math.max(alarmValue(lowCellAlarm), alarmValue(lowSocAlarm),
				alarmValue(bmsCableAlarm), alarmValue(highCellAlarm),
				alarmValue(highTempAlarm), alarmValue(lowChargeTempAlarm))
		return Math.max(l, worstAlarm > 0 ? worstAlarm : l)
	}
	property bool blinkOn: true

	function alarmValue(item) {
		return item.valid ? Number(item.value) : 0
	}

	title: qsTr("smallBMS NG")

	Timer {
		interval: 500
		repeat: true
		running: root.level === 1
		onRunningChanged: root.blinkOn = true
		onTriggered: root.blinkOn = !root.blinkOn
	}

	VeQuickItem { id: stateItem; uid: root.bindPrefix + "/Bms/State" }
	VeQuickItem { id: bankItem; uid: root.bindPrefix + "/Bms/Bank" }
	VeQuickItem { id: lowCellAlarm; uid: root.bindPrefix + "/Alarms/LowCellVoltage" }
	VeQuickItem { id: lowSocAlarm; uid: root.bindPrefix + "/Alarms/LowSoc" }
	VeQuickItem { id: bmsCableAlarm; uid: root.bindPrefix + "/Alarms/BmsCable" }
	VeQuickItem { id: highCellAlarm; uid: root.bindPrefix + "/Alarms/HighCellVoltage" }
	VeQuickItem { id: highTempAlarm; uid: root.bindPrefix + "/Alarms/HighTemperature" }
	VeQuickItem { id: lowChargeTempAlarm; uid: root.bindPrefix + "/Alarms/LowChargeTemperature" }

	GradientListView {
		model: VisibleItemModel {
			SmallBmsOverview {
				bindPrefix: root.bindPrefix
				level: root.level
				blinkOn: root.blinkOn
			}

			SmallBmsOutputs {
				bindPrefix: root.bindPrefix
			}

			SmallBmsLines {
				bindPrefix: root.bindPrefix
			}

			SmallBmsAlarms {
				bindPrefix: root.bindPrefix
			}

			SmallBmsControl {
				bindPrefix: root.bindPrefix
			}

			SmallBmsRelayTest {
				bindPrefix: root.bindPrefix
			}

			SmallBmsTunables {
				settingsPrefix: root.settingsPrefix
			}
		}
	}
}
