/*
** dbus-smallbms gui-v2 plugin: one relay-test row.
**
** /Bms/TestOutput/<Load|Charge|PreAlarm> on our service: writing 1 forces that output on for
** a commissioning test, 0 ends the test. Starting asks for confirmation first (the owner page
** opens the dialog on startRequested); stopping is immediate. Hidden when the service does not
** publish the path.
*/

import QtQuick
import Victron.VenusOS

ListButton {
	id: root

	required property string uid
	required property string outputLabel
	readonly property bool active: testItem.valid && testItem.value === 1

	signal startRequested()

	text: qsTr("Test %1").arg(root.outputLabel.toLowerCase())
	caption: root.active ? qsTr("Test running: the output is forced on") : ""
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
