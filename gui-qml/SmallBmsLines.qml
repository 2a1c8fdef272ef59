/*
** dbus-smallbms gui-v2 plugin: the wired BMS lines (/Bms/Lines/<Role>; invalid = unwired or
** unhealthy, then hidden). "Allowed" lines are green when asserted, alarm lines red.
*/

pragma ComponentBehavior: Bound

import QtQuick
import Victron.VenusOS

SettingsColumn {
	id: root

	required property string bindPrefix

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

	width: parent ? parent.width : 0

	SettingsListHeader {
		text: qsTr("BMS lines")
	}

	Repeater {
		model: [
			{ role: "DischargeAllowed", label: qsTr("Allowed to discharge") },
			{ role: "ChargeAllowed", label: qsTr("Allowed to charge") },
			{ role: "PreAlarm", label: qsTr("Pre-alarm") },
			{ role: "Remote", label: qsTr("Remote on/off") },
			{ role: "CellOverVoltage", label: qsTr("Cell over-voltage") },
			{ role: "HighTemperature", label: qsTr("High temperature") },
			{ role: "LowTemperature", label: qsTr("Low temperature") }
		]

		delegate: ListText {
			id: lineRow

			required property var modelData

			text: lineRow.modelData.label
			dataItem.uid: root.bindPrefix + "/Bms/Lines/" + lineRow.modelData.role
			preferredVisible: lineRow.dataItem.valid
			secondaryText: lineRow.dataItem.valid ? root.lineText(lineRow.modelData.role, lineRow.dataItem.value) : ""
			secondaryTextColor: root.lineColor(lineRow.modelData.role, lineRow.dataItem.value)
		}
	}
}
