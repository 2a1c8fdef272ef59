/*
** dbus-smallbms gui-v2 plugin: the three outputs as the engine decides them, each with what
** its targets really have when that differs (SmallBmsOutputRow).
*/

import QtQuick
import Victron.VenusOS

SettingsColumn {
	id: root

	required property string bindPrefix

	width: parent ? parent.width : 0

	SettingsListHeader {
		text: qsTr("Outputs")
	}

	SmallBmsOutputRow {
		text: qsTr("Load output")
		bindPrefix: root.bindPrefix
		outputName: "Load"
	}

	SmallBmsOutputRow {
		text: qsTr("Charge output")
		bindPrefix: root.bindPrefix
		outputName: "Charge"
	}

	SmallBmsOutputRow {
		text: qsTr("Pre-alarm output")
		bindPrefix: root.bindPrefix
		outputName: "PreAlarm"
		allowedText: qsTr("On")
		allowedColor: Theme.color_red
		offColor: Theme.color_listItem_secondaryText
	}
}
