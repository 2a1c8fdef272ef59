/*
** dbus-smallbms gui-v2 plugin: one output row. The engine's decision (/Bms/Outputs/<Name>),
** and, when the targets have something else (dry run, a relay test, an outside write, a
** relay that cannot be driven), the service's sentence saying so (/Bms/Actual/<Name>Text,
** e.g. "load: engine wants ON, relay 1 is OFF (relay test)") as the caption, without the
** output's name the row already shows: "Engine wants ON, relay 1 is OFF (relay test)".
*/

import QtQuick
import Victron.VenusOS

ListText {
	id: root

	required property string bindPrefix
	// "Load", "Charge" or "PreAlarm"
	required property string outputName
	property string allowedText: qsTr("Allowed")
	property color allowedColor: Theme.color_green
	property color offColor: Theme.color_red

	dataItem.uid: root.bindPrefix + "/Bms/Outputs/" + root.outputName
	preferredVisible: dataItem.valid
	secondaryText: dataItem.value === 1 ? root.allowedText : qsTr("Off")
	secondaryTextColor: dataItem.value === 1 ? root.allowedColor : root.offColor
	caption: {
		if (!actualText.valid) {
			return ""
		}
		const sentence = String(actualText.value).replace(/^[a-z-]+: /, "")
		return sentence.length > 0 ? sentence.charAt(0).toUpperCase() + sentence.slice(1) : ""
	}

	VeQuickItem {
		id: actualText
		uid: root.bindPrefix + "/Bms/Actual/" + root.outputName + "Text"
	}
}
