/*
** dbus-smallbms gui-v2 plugin: the page added to the device page of our battery service.
**
** gui-v2 (components/DevicePage.qml) lists this page for every device whose /ProductId,
** formatted by Utils.toHexFormat(), equals the integration's productId ("0xB0F1"), and opens
** it with Global.pageManager.pushPage(url, { "device": device }). So the root is a Page with
** a required `device` property of gui-v2's Device type; device.serviceUid is the uid prefix
** of our service ("dbus/com.victronenergy.battery.smallbms" on D-Bus, "mqtt/battery/<n>" in
** the Remote Console).
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

	function stateName(s) {
		switch (s) {
		case 0: return qsTr("Starting")
		case 1: return qsTr("Normal")
		case 2: return qsTr("Pre-alarm")
		case 3: return qsTr("Loads off: cell under-voltage")
		case 4: return qsTr("Loads off: low SoC")
		case 5: return qsTr("Remote off")
		case 6: return qsTr("Fault")
		default: return qsTr("Unknown")
		}
	}

	function levelColor(l) {
		if (l === 0) {
			return Theme.color_green
		} else if (l >= 1) {
			return Theme.color_red
		}
		return Theme.color_font_secondary
	}

	function formatSeconds(value) {
		const total = Math.max(0, Math.ceil(Number(value)))
		if (total < 120) {
			return qsTr("%1 s").arg(total)
		}
		const minutes = Math.floor(total / 60)
		const seconds = total % 60
		return qsTr("%1 min %2 s").arg(minutes).arg(seconds)
	}

	function lineText(role, value) {
		const on = Number(value) === 1
		switch (role) {
		case "DischargeAllowed":
		case "ChargeAllowed":
			return on ? qsTr("Allowed") : qsTr("Not allowed")
		case "Remote":
			return on ? qsTr("On") : qsTr("Off")
		default:
			return on ? qsTr("Active") : qsTr("Inactive")
		}
	}

	function confirmRelayTest(uid, outputLabel) {
		Global.dialogLayer.open(relayTestDialog, { uid: uid, outputLabel: outputLabel })
	}

	function lineColor(role, value) {
		const on = Number(value) === 1
		switch (role) {
		case "DischargeAllowed":
		case "ChargeAllowed":
		case "Remote":
			return on ? Theme.color_green : Theme.color_red
		default:
			return on ? Theme.color_red : Theme.color_listItem_secondaryText
		}
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
			ListItem {
				objectName: "stateRow"
				preferredVisible: stateItem.valid
				contentItem: Item {
					implicitWidth: Theme.geometry_listItem_width
					implicitHeight: 32

					Label {
						anchors.left: parent.left
						anchors.verticalCenter: parent.verticalCenter
						text: qsTr("State")
						font.pixelSize: Theme.font_listItem_primary_size
					}

					Row {
						anchors.right: parent.right
						anchors.verticalCenter: parent.verticalCenter
						spacing: 12

						Rectangle {
							objectName: "stateLed"
							anchors.verticalCenter: parent.verticalCenter
							width: 18
							height: 18
							radius: 9
							color: root.levelColor(root.level)
							opacity: root.level === 1 && !root.blinkOn ? 0.15 : 1
						}

						Label {
							anchors.verticalCenter: parent.verticalCenter
							text: root.stateName(stateItem.value)
							color: root.levelColor(root.level)
							font.pixelSize: Theme.font_listItem_secondary_size
						}
					}
				}
			}

			ListText {
				text: qsTr("Dry run")
				secondaryText: qsTr("Outputs are not driven")
				secondaryTextColor: Theme.color_orange
				preferredVisible: dryRunStatus.valid && dryRunStatus.value === 1

				VeQuickItem { id: dryRunStatus; uid: root.bindPrefix + "/Bms/DryRun" }
			}

			ListText {
				text: qsTr("Loads off in")
				dataItem.uid: root.bindPrefix + "/Bms/Countdown/LoadDisconnect"
				preferredVisible: dataItem.valid
				secondaryText: dataItem.valid ? root.formatSeconds(dataItem.value) : ""
				secondaryTextColor: Theme.color_red
			}

			ListText {
				text: qsTr("Low SoC shutdown in")
				dataItem.uid: root.bindPrefix + "/Bms/Countdown/LowSocShutdown"
				preferredVisible: dataItem.valid
				secondaryText: dataItem.valid ? root.formatSeconds(dataItem.value) : ""
				secondaryTextColor: Theme.color_red
			}

			ListText {
				text: qsTr("Last event")
				dataItem.uid: root.bindPrefix + "/Bms/LastEvent"
				preferredVisible: dataItem.valid && String(dataItem.value).length > 0
				secondaryText: ""
				caption: dataItem.valid ? String(dataItem.value) : ""
			}

			ListQuantity {
				text: qsTr("State of charge")
				dataItem.uid: root.bindPrefix + "/Soc"
				preferredVisible: dataItem.valid
				unit: VenusOS.Units_Percentage
			}

			ListQuantity {
				text: qsTr("Voltage")
				dataItem.uid: root.bindPrefix + "/Dc/0/Voltage"
				preferredVisible: dataItem.valid
				unit: VenusOS.Units_Volt_DC
				decimals: 2
			}

			ListQuantity {
				text: qsTr("Current")
				dataItem.uid: root.bindPrefix + "/Dc/0/Current"
				preferredVisible: dataItem.valid
				unit: VenusOS.Units_Amp
				decimals: 1
			}

			ListText {
				text: qsTr("Charge detected")
				dataItem.uid: root.bindPrefix + "/Bms/ChargeDetected"
				preferredVisible: dataItem.valid
				secondaryText: dataItem.value === 1 ? qsTr("Yes") : qsTr("No")
			}

			SettingsColumn {
				width: parent ? parent.width : 0

				SettingsListHeader {
					text: qsTr("Outputs")
				}

				ListText {
					text: qsTr("Load output")
					dataItem.uid: root.bindPrefix + "/Bms/Outputs/Load"
					preferredVisible: dataItem.valid
					secondaryText: dataItem.value === 1 ? qsTr("Allowed") : qsTr("Off")
					secondaryTextColor: dataItem.value === 1 ? Theme.color_green : Theme.color_red
				}

				ListText {
					text: qsTr("Charge output")
					dataItem.uid: root.bindPrefix + "/Bms/Outputs/Charge"
					preferredVisible: dataItem.valid
					secondaryText: dataItem.value === 1 ? qsTr("Allowed") : qsTr("Off")
					secondaryTextColor: dataItem.value === 1 ? Theme.color_green : Theme.color_red
				}

				ListText {
					text: qsTr("Pre-alarm output")
					dataItem.uid: root.bindPrefix + "/Bms/Outputs/PreAlarm"
					preferredVisible: dataItem.valid
					secondaryText: dataItem.value === 1 ? qsTr("On") : qsTr("Off")
					secondaryTextColor: dataItem.value === 1 ? Theme.color_red : Theme.color_listItem_secondaryText
				}
			}

			SettingsColumn {
				width: parent ? parent.width : 0

				SettingsListHeader {
					text: qsTr("BMS lines")
				}

				ListText {
					text: qsTr("Allowed to discharge")
					dataItem.uid: root.bindPrefix + "/Bms/Lines/DischargeAllowed"
					preferredVisible: dataItem.valid
					secondaryText: dataItem.valid ? root.lineText("DischargeAllowed", dataItem.value) : ""
					secondaryTextColor: root.lineColor("DischargeAllowed", dataItem.value)
				}

				ListText {
					text: qsTr("Allowed to charge")
					dataItem.uid: root.bindPrefix + "/Bms/Lines/ChargeAllowed"
					preferredVisible: dataItem.valid
					secondaryText: dataItem.valid ? root.lineText("ChargeAllowed", dataItem.value) : ""
					secondaryTextColor: root.lineColor("ChargeAllowed", dataItem.value)
				}

				ListText {
					text: qsTr("Pre-alarm")
					dataItem.uid: root.bindPrefix + "/Bms/Lines/PreAlarm"
					preferredVisible: dataItem.valid
					secondaryText: dataItem.valid ? root.lineText("PreAlarm", dataItem.value) : ""
					secondaryTextColor: root.lineColor("PreAlarm", dataItem.value)
				}

				ListText {
					text: qsTr("Remote on/off")
					dataItem.uid: root.bindPrefix + "/Bms/Lines/Remote"
					preferredVisible: dataItem.valid
					secondaryText: dataItem.valid ? root.lineText("Remote", dataItem.value) : ""
					secondaryTextColor: root.lineColor("Remote", dataItem.value)
				}

				ListText {
					text: qsTr("Cell over-voltage")
					dataItem.uid: root.bindPrefix + "/Bms/Lines/CellOverVoltage"
					preferredVisible: dataItem.valid
					secondaryText: dataItem.valid ? root.lineText("CellOverVoltage", dataItem.value) : ""
					secondaryTextColor: root.lineColor("CellOverVoltage", dataItem.value)
				}

				ListText {
					text: qsTr("High temperature")
					dataItem.uid: root.bindPrefix + "/Bms/Lines/HighTemperature"
					preferredVisible: dataItem.valid
					secondaryText: dataItem.valid ? root.lineText("HighTemperature", dataItem.value) : ""
					secondaryTextColor: root.lineColor("HighTemperature", dataItem.value)
				}

				ListText {
					text: qsTr("Low temperature")
					dataItem.uid: root.bindPrefix + "/Bms/Lines/LowTemperature"
					preferredVisible: dataItem.valid
					secondaryText: dataItem.valid ? root.lineText("LowTemperature", dataItem.value) : ""
					secondaryTextColor: root.lineColor("LowTemperature", dataItem.value)
				}
			}

			SettingsColumn {
				width: parent ? parent.width : 0

				SettingsListHeader {
					text: qsTr("Alarms")
				}

				ListAlarm {
					text: qsTr("Low cell voltage")
					dataItem.uid: root.bindPrefix + "/Alarms/LowCellVoltage"
					preferredVisible: dataItem.valid
				}

				ListAlarm {
					text: qsTr("Low SoC")
					dataItem.uid: root.bindPrefix + "/Alarms/LowSoc"
					preferredVisible: dataItem.valid
				}

				ListAlarm {
					text: qsTr("BMS cable")
					dataItem.uid: root.bindPrefix + "/Alarms/BmsCable"
					preferredVisible: dataItem.valid
				}

				ListAlarm {
					text: qsTr("High cell voltage")
					dataItem.uid: root.bindPrefix + "/Alarms/HighCellVoltage"
					preferredVisible: dataItem.valid
				}

				ListAlarm {
					text: qsTr("High temperature")
					dataItem.uid: root.bindPrefix + "/Alarms/HighTemperature"
					preferredVisible: dataItem.valid
				}

				ListAlarm {
					text: qsTr("Low charge temperature")
					dataItem.uid: root.bindPrefix + "/Alarms/LowChargeTemperature"
					preferredVisible: dataItem.valid
				}
			}

			SettingsColumn {
				width: parent ? parent.width : 0

				SettingsListHeader {
					text: qsTr("Control")
				}

				ListSwitch {
					text: qsTr("System on (software remote)")
					caption: qsTr("Off = standby: load and charge outputs off")
					dataItem.uid: root.bindPrefix + "/Mode"
					preferredVisible: dataItem.valid
					valueTrue: 3
					valueFalse: 252
					writeAccessLevel: VenusOS.User_AccessType_User
				}

				ListSwitch {
					text: qsTr("Dry run (commissioning)")
					caption: qsTr("The logic runs and reports, but no output is driven")
					dataItem.uid: root.bindPrefix + "/Bms/DryRun"
					preferredVisible: dataItem.valid
				}
			}

			SettingsColumn {
				width: parent ? parent.width : 0

				SettingsListHeader {
					text: qsTr("Relay test")
					preferredVisible: testLoad.preferredVisible || testCharge.preferredVisible || testPreAlarm.preferredVisible
				}

				RelayTestButton {
					id: testLoad
					outputLabel: qsTr("Load output")
					uid: root.bindPrefix + "/Bms/TestOutput/Load"
					onStartRequested: root.confirmRelayTest(uid, outputLabel)
				}

				RelayTestButton {
					id: testCharge
					outputLabel: qsTr("Charge output")
					uid: root.bindPrefix + "/Bms/TestOutput/Charge"
					onStartRequested: root.confirmRelayTest(uid, outputLabel)
				}

				RelayTestButton {
					id: testPreAlarm
					outputLabel: qsTr("Pre-alarm output")
					uid: root.bindPrefix + "/Bms/TestOutput/PreAlarm"
					onStartRequested: root.confirmRelayTest(uid, outputLabel)
				}
			}

			SmallBmsTunables {
				settingsPrefix: root.settingsPrefix
			}
		}
	}

	Component {
		id: relayTestDialog

		ModalWarningDialog {
			id: dialog

			property string uid
			property string outputLabel

			title: qsTr("Test %1?").arg(dialog.outputLabel.toLowerCase())
			description: qsTr("This switches the real %1 and every device wired to it. "
					+ "Loads or chargers may switch on or off. Stop the test on this page.")
					.arg(dialog.outputLabel.toLowerCase())
			dialogDoneOptions: VenusOS.ModalDialog_DoneOptions_OkAndCancel
			acceptText: qsTr("Start test")
			onAccepted: testTarget.setValue(1)

			VeQuickItem {
				id: testTarget
				uid: dialog.uid
			}
		}
	}
}
