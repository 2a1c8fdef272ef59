/*
** dbus-smallbms gui-v2 plugin: one relay-test row.
**
** /Bms/TestOutput/<Load|Charge|PreAlarm> on our service: 0 no test (the output follows the
** engine), 1 forced on, 2 forced off. This row forces `level` (1 or 2). Starting asks for
** confirmation first (the owner opens the dialog on startRequested); Stop writes 0, which
** hands the output back to the engine's level (never leaves it off by itself). The service
** refuses a test outside dry run; the section shows why (/Bms/TestOutput/Result).
*/

import QtQuick
import Victron.VenusOS

ListButton {
	id: root

	required property string uid
	required property string outputLabel
	// 1 = force on, 2 = force off
	required property int level
	readonly property bool active: testItem.valid && testItem.value === root.level

	signal startRequested()

	text: root.level === 1
			? qsTr("%1: force on").arg(root.outputLabel)
			: qsTr("%1: force off").arg(root.outputLabel)
	caption: root.active ? qsTr("Test running. Stop gives the output back to the protection logic") : ""
	secondaryText: root.active ? qsTr("Stop") : qsTr("Start")
	preferredVisible: testItem.valid

	onClicked: {
		if (root.active) {
			testItem.setValue(0)
		} else {
			root.startRequested()
		}
	}

	VeQuickItem {
		id: testItem
		uid: root.uid
	}
}
