/*
** dbus-smallbms gui-v2 plugin: the user's switches. The software remote (/Mode 3 on, 252
** standby) and dry run (/Bms/DryRun: the logic runs and reports, no output is driven).
*/

import QtQuick
import Victron.VenusOS

SettingsColumn {
	id: root

	required property string bindPrefix

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
