/*
** dbus-smallbms gui-v2 plugin: the live tunables of one bank.
**
** Every row edits a localsettings item under /Settings/SmallBms/<bank>/<Name>; the service
** watches those settings and applies a change at once. The ranges are the ones of
** behaviour.md section 3 (the service and localsettings enforce them too).
*/

import QtQuick
import Victron.VenusOS

SettingsColumn {
	id: root

	// e.g. "<settings service uid>/Settings/SmallBms/Default"
	required property string settingsPrefix

	width: parent ? parent.width : 0

	SettingsListHeader {
		text: qsTr("Protection settings")
	}

	ListSpinBox {
		text: qsTr("Pre-alarm lead time")
		caption: qsTr("The pre-alarm output is on at least this long before loads are switched off")
		dataItem.uid: root.settingsPrefix + "/PreAlarmLead"
		preferredVisible: dataItem.valid
		suffix: " s"
		from: 30
		to: 600
		stepSize: 5
	}

	ListSpinBox {
		text: qsTr("Discharge floor")
		caption: qsTr("Minimum state of charge; 0 disables the low SoC logic")
		dataItem.uid: root.settingsPrefix + "/DischargeFloor"
		preferredVisible: dataItem.valid
		suffix: "%"
		from: 0
		to: 99
		stepSize: 1
	}

	ListSpinBox {
		text: qsTr("Low SoC warning margin")
		caption: qsTr("Warning and pre-alarm at floor + margin")
		dataItem.uid: root.settingsPrefix + "/LowSocMargin"
		preferredVisible: dataItem.valid
		suffix: "%"
		from: 1
		to: 20
		stepSize: 1
	}

	ListSpinBox {
		text: qsTr("Low SoC shutdown delay")
		caption: qsTr("Loads go off this long after the floor is reached, unless charge is detected")
		dataItem.uid: root.settingsPrefix + "/LowSocShutdownDelay"
		preferredVisible: dataItem.valid
		suffix: " s"
		from: 30
		to: 3600
		stepSize: 30
	}

	ListSpinBox {
		text: qsTr("SoC hysteresis")
		caption: qsTr("Loads come back at floor + hysteresis")
		dataItem.uid: root.settingsPrefix + "/SocHysteresis"
		preferredVisible: dataItem.valid
		suffix: "%"
		from: 1
		to: 20
		stepSize: 1
	}

	ListSpinBox {
		text: qsTr("Charge detect voltage (per 12 V)")
		caption: qsTr("Scaled to the system voltage: 13.3 V means 26.6 V on a 24 V system")
		dataItem.uid: root.settingsPrefix + "/ChargeDetectVoltage"
		preferredVisible: dataItem.valid
		suffix: " V"
		decimals: 1
		from: 12
		to: 15
		stepSize: 0.1
	}

	ListSpinBox {
		text: qsTr("Charge detect current")
		dataItem.uid: root.settingsPrefix + "/ChargeDetectCurrent"
		preferredVisible: dataItem.valid
		suffix: " A"
		decimals: 1
		from: 0.1
		to: 100
		stepSize: 0.1
	}

	ListSpinBox {
		text: qsTr("Charge detect hold time")
		dataItem.uid: root.settingsPrefix + "/ChargeDetectHold"
		preferredVisible: dataItem.valid
		suffix: " s"
		from: 0
		to: 600
		stepSize: 1
	}

	ListSpinBox {
		text: qsTr("Minimum off time")
		caption: qsTr("Anti-chatter for the load and charge outputs")
		dataItem.uid: root.settingsPrefix + "/MinOffTime"
		preferredVisible: dataItem.valid
		suffix: " s"
		from: 0
		to: 600
		stepSize: 1
	}

	ListSwitch {
		text: qsTr("Pre-alarm after disconnect")
		caption: qsTr("Keep the pre-alarm output on while loads are off")
		dataItem.uid: root.settingsPrefix + "/PreAlarmAfterDisconnect"
		preferredVisible: dataItem.valid
	}

	ListRadioButtonGroup {
		text: qsTr("Pre-alarm mode")
		dataItem.uid: root.settingsPrefix + "/PreAlarmMode"
		preferredVisible: dataItem.valid
		optionModel: [
			{ display: qsTr("Continuous"), value: 0 },
			{ display: qsTr("Intermittent (0.8 s on, 0.8 s off)"), value: 1 },
		]
	}
}
