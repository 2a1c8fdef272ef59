/*
** dbus-smallbms gui-v2 plugin: our alarm paths (the standard battery /Alarms/* that also reach
** the GX notifications and VRM). Invalid = not applicable here, hidden.
*/

pragma ComponentBehavior: Bound

import QtQuick
import Victron.VenusOS

SettingsColumn {
	id: root

	required property string bindPrefix

	width: parent ? parent.width : 0

	SettingsListHeader {
		text: qsTr("Alarms")
	}

	Repeater {
		model: [
			{ path: "LowCellVoltage", label: qsTr("Low cell voltage") },
			{ path: "LowSoc", label: qsTr("Low SoC") },
			{ path: "BmsCable", label: qsTr("BMS cable") },
			{ path: "HighCellVoltage", label: qsTr("High cell voltage") },
			{ path: "HighTemperature", label: qsTr("High temperature") },
			{ path: "LowChargeTemperature", label: qsTr("Low charge temperature") }
		]

		delegate: ListAlarm {
			id: alarmRow

			required property var modelData

			text: alarmRow.modelData.label
			dataItem.uid: root.bindPrefix + "/Alarms/" + alarmRow.modelData.path
			preferredVisible: alarmRow.dataItem.valid
		}
	}
}
