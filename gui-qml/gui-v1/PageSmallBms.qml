/*
** dbus-smallbms: the page for the *classic* GX console (gui v1, QtQuick 1): what the gui-v2
** plugin shows, with the classic components (MbPage, MbItemValue, MbItemText, MbItemAlarm,
** MbSwitch, MbSpinBox, MbSubMenu, VBusItem). No plugin API there: `install.sh --gui-v1` copies
** it to /opt/victronenergy/gui/qml and adds Settings -> smallBMS NG to PageSettings.qml (the
** root filesystem is modified; a firmware update removes it). Binds to the first bank
** (com.victronenergy.battery.smallbms, /Settings/SmallBms/Default/...). MbSpinBox uses the
** `item { ... }` form of Venus OS v3.x.
*/

import QtQuick 1.1
import com.victron.velib 1.0
import "utils.js" as Utils

MbPage {
	id: root

	property string bindPrefix: "com.victronenergy.battery.smallbms"
	property string settingsPrefix: "com.victronenergy.settings/Settings/SmallBms/Default"

	property VBusItem stateItem: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/State") }
	property VBusItem dryRunItem: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/DryRun") }
	property VBusItem loadCountdown: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/Countdown/LoadDisconnect") }
	property VBusItem socCountdown: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/Countdown/LowSocShutdown") }
	property VBusItem lastEvent: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/LastEvent") }
	property VBusItem chargeDetected: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/ChargeDetected") }
	property VBusItem outLoad: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/Outputs/Load") }
	property VBusItem outCharge: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/Outputs/Charge") }
	property VBusItem outPreAlarm: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/Outputs/PreAlarm") }
	property VBusItem lineDischarge: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/Lines/DischargeAllowed") }
	property VBusItem lineCharge: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/Lines/ChargeAllowed") }
	property VBusItem linePreAlarm: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/Lines/PreAlarm") }
	property VBusItem lineRemote: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/Lines/Remote") }
	property VBusItem lineCellOverVoltage: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/Lines/CellOverVoltage") }
	property VBusItem lineHighTemperature: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/Lines/HighTemperature") }
	property VBusItem lineLowTemperature: VBusItem { bind: Utils.path(root.bindPrefix, "/Bms/Lines/LowTemperature") }

	function stateName(s) {
		switch (s) {
		case 0: return qsTr("Starting")
		case 1: return qsTr("Normal")
		case 2: return qsTr("Pre-alarm")
		case 3: return qsTr("Loads off (cell under-voltage)")
		case 4: return qsTr("Loads off (low SoC)")
		case 5: return qsTr("Remote off")
		case 6: return qsTr("Fault")
		default: return qsTr("Unknown")
		}
	}

	function formatSeconds(value) {
		var total = Math.max(0, Math.ceil(Number(value)))
		if (total < 120)
			return qsTr("%1 s").arg(total)
		return qsTr("%1 min %2 s").arg(Math.floor(total / 60)).arg(total % 60)
	}

	// BMS lines: "allowed" lines are good when asserted, the others are warnings when asserted.
	function lineText(item, kind) {
		if (!item.valid)
			return qsTr("Not wired")
		var on = Number(item.value) === 1
		if (kind === "allowed")
			return on ? qsTr("Allowed") : qsTr("Not allowed")
		if (kind === "remote")
			return on ? qsTr("On") : qsTr("Off")
		return on ? qsTr("Active") : qsTr("Inactive")
	}

	function outputText(item, onText) {
		return Number(item.value) === 1 ? onText : qsTr("Off")
	}

	title: qsTr("smallBMS NG")

	model: VisibleItemModel {
		MbItemText {
			text: qsTr("The dbus-smallbms service is not running (no com.victronenergy.battery.smallbms on D-Bus). Check it with: /data/apps/enabled/dbus-smallbms/install.sh --status")
			wrapMode: Text.WordWrap
			show: !stateItem.valid
		}
		MbItemValue {
			description: qsTr("State")
			item.text: root.stateName(stateItem.value)
			show: stateItem.valid
		}
		MbItemValue {
			description: qsTr("Dry run")
			item.text: qsTr("Outputs are not driven")
			show: dryRunItem.valid && dryRunItem.value === 1
		}
		MbItemValue {
			description: qsTr("Loads off in")
			item.text: root.formatSeconds(loadCountdown.value)
			show: loadCountdown.valid
		}
		MbItemValue {
			description: qsTr("Low SoC shutdown in")
			item.text: root.formatSeconds(socCountdown.value)
			show: socCountdown.valid
		}
		MbItemText {
			text: qsTr("Last event: %1").arg(lastEvent.valid ? String(lastEvent.value) : "")
			wrapMode: Text.WordWrap
			show: lastEvent.valid && String(lastEvent.value).length > 0
		}
		MbItemValue {
			description: qsTr("State of charge")
			item {
				bind: Utils.path(root.bindPrefix, "/Soc")
				unit: "%"
				decimals: 0
			}
			show: item.valid
		}
		MbItemValue {
			description: qsTr("Voltage")
			item {
				bind: Utils.path(root.bindPrefix, "/Dc/0/Voltage")
				unit: "V"
				decimals: 2
			}
			show: item.valid
		}
		MbItemValue {
			description: qsTr("Current")
			item {
				bind: Utils.path(root.bindPrefix, "/Dc/0/Current")
				unit: "A"
				decimals: 1
			}
			show: item.valid
		}
		MbItemValue {
			description: qsTr("Charge detected")
			item.text: chargeDetected.value === 1 ? qsTr("Yes") : qsTr("No")
			show: chargeDetected.valid
		}
		MbItemValue {
			description: qsTr("Load output")
			item.text: root.outputText(outLoad, qsTr("Allowed"))
			show: outLoad.valid
		}
		MbItemValue {
			description: qsTr("Charge output")
			item.text: root.outputText(outCharge, qsTr("Allowed"))
			show: outCharge.valid
		}
		MbItemValue {
			description: qsTr("Pre-alarm output")
			item.text: root.outputText(outPreAlarm, qsTr("On"))
			show: outPreAlarm.valid
		}
		MbSwitch {
			name: qsTr("System on (software remote)")
			bind: Utils.path(root.bindPrefix, "/Mode")
			valueTrue: 3
			valueFalse: 252
			writeAccessLevel: User.AccessUser
			show: item.valid
		}
		MbSwitch {
			name: qsTr("Dry run (commissioning)")
			bind: Utils.path(root.bindPrefix, "/Bms/DryRun")
			show: item.valid
		}
		MbSubMenu {
			id: linesMenu
			description: qsTr("BMS lines")
			show: stateItem.valid
			subpage: Component {
				MbPage {
					title: linesMenu.description
					model: VisibleItemModel {
						MbItemValue {
							description: qsTr("Allowed to discharge")
							item.text: root.lineText(lineDischarge, "allowed")
						}
						MbItemValue {
							description: qsTr("Allowed to charge")
							item.text: root.lineText(lineCharge, "allowed")
						}
						MbItemValue {
							description: qsTr("Pre-alarm")
							item.text: root.lineText(linePreAlarm, "warning")
						}
						MbItemValue {
							description: qsTr("Remote on/off")
							item.text: root.lineText(lineRemote, "remote")
						}
						MbItemValue {
							description: qsTr("Cell over-voltage")
							item.text: root.lineText(lineCellOverVoltage, "warning")
						}
						MbItemValue {
							description: qsTr("High temperature")
							item.text: root.lineText(lineHighTemperature, "warning")
						}
						MbItemValue {
							description: qsTr("Low temperature")
							item.text: root.lineText(lineLowTemperature, "warning")
						}
					}
				}
			}
		}
		MbSubMenu {
			id: alarmsMenu
			description: qsTr("Alarms")
			show: stateItem.valid
			subpage: Component {
				MbPage {
					title: alarmsMenu.description
					model: VisibleItemModel {
						MbItemAlarm {
							description: qsTr("Low cell voltage")
							bind: Utils.path(root.bindPrefix, "/Alarms/LowCellVoltage")
							show: valid
						}
						MbItemAlarm {
							description: qsTr("Low SoC")
							bind: Utils.path(root.bindPrefix, "/Alarms/LowSoc")
							show: valid
						}
						MbItemAlarm {
							description: qsTr("BMS cable")
							bind: Utils.path(root.bindPrefix, "/Alarms/BmsCable")
							show: valid
						}
						MbItemAlarm {
							description: qsTr("High cell voltage")
							bind: Utils.path(root.bindPrefix, "/Alarms/HighCellVoltage")
							show: valid
						}
						MbItemAlarm {
							description: qsTr("High temperature")
							bind: Utils.path(root.bindPrefix, "/Alarms/HighTemperature")
							show: valid
						}
						MbItemAlarm {
							description: qsTr("Low charge temperature")
							bind: Utils.path(root.bindPrefix, "/Alarms/LowChargeTemperature")
							show: valid
						}
					}
				}
			}
		}
		MbSubMenu {
			id: settingsMenu
			description: qsTr("Protection settings")
			subpage: Component {
				MbPage {
					title: settingsMenu.description
					model: VisibleItemModel {
						MbItemText {
							text: qsTr("Changes apply at once. Wiring (inputs, relays, system voltage) is set in /data/conf/smallbms.json.")
							wrapMode: Text.WordWrap
						}

						MbSpinBox {
							description: qsTr("Pre-alarm lead time")
							item {
								bind: Utils.path(root.settingsPrefix, "/PreAlarmLead")
								unit: "s"
								decimals: 0
								step: 5
								min: 30
								max: 600
							}
							show: item.valid
						}

						MbSpinBox {
							description: qsTr("Discharge floor (0 = off)")
							item {
								bind: Utils.path(root.settingsPrefix, "/DischargeFloor")
								unit: "%"
								decimals: 0
								step: 1
								min: 0
								max: 99
							}
							show: item.valid
						}

						MbSpinBox {
							description: qsTr("Low SoC warning margin")
							item {
								bind: Utils.path(root.settingsPrefix, "/LowSocMargin")
								unit: "%"
								decimals: 0
								step: 1
								min: 1
								max: 20
							}
							show: item.valid
						}

						MbSpinBox {
							description: qsTr("Low SoC shutdown delay")
							item {
								bind: Utils.path(root.settingsPrefix, "/LowSocShutdownDelay")
								unit: "s"
								decimals: 0
								step: 30
								min: 30
								max: 3600
							}
							show: item.valid
						}

						MbSpinBox {
							description: qsTr("SoC hysteresis")
							item {
								bind: Utils.path(root.settingsPrefix, "/SocHysteresis")
								unit: "%"
								decimals: 0
								step: 1
								min: 1
								max: 20
							}
							show: item.valid
						}

						MbSpinBox {
							description: qsTr("Minimum off time")
							item {
								bind: Utils.path(root.settingsPrefix, "/MinOffTime")
								unit: "s"
								decimals: 0
								step: 1
								min: 0
								max: 600
							}
							show: item.valid
						}
					}
				}
			}
		}
	}
}
