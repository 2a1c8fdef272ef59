/*
** dbus-smallbms gui-v2 plugin: commissioning, the relay test.
**
** The service publishes /Bms/TestOutput/<Output> (0 none, 1 forced on, 2 forced off) whenever
** it runs, and /Bms/TestOutput/Available (1 in dry run). Outside dry run the rows stay, with
** "Only in dry run — turn on dry run first" and a button that turns dry run on; a test asked
** for anyway is refused by the service, and /Bms/TestOutput/Result says so on this page, as
** it says what every test did ("Load output: test, forced OFF (relay 1 OFF)").
*/

import QtQuick
import Victron.VenusOS

SettingsColumn {
	id: root

	required property string bindPrefix
	readonly property bool available: availableItem.valid && availableItem.value === 1

	function confirm(uid, outputLabel, level) {
		Global.dialogLayer.open(relayTestDialog, { uid: uid, outputLabel: outputLabel, level: level })
	}

	width: parent ? parent.width : 0
	preferredVisible: testLoad.preferredVisible || testCharge.preferredVisible || testPreAlarm.preferredVisible

	VeQuickItem { id: availableItem; uid: root.bindPrefix + "/Bms/TestOutput/Available" }
	VeQuickItem { id: dryRunItem; uid: root.bindPrefix + "/Bms/DryRun" }

	SettingsListHeader {
		text: qsTr("Relay test")
	}

	ListButton {
		objectName: "relayTestGate"
		text: qsTr("Only in dry run — turn on dry run first")
		caption: qsTr("In dry run the protection logic drives no output; a test drives one")
		secondaryText: qsTr("Turn on dry run")
		preferredVisible: availableItem.valid && !root.available && dryRunItem.valid
		onClicked: dryRunItem.setValue(1)
	}

	ListText {
		text: qsTr("Last test")
		dataItem.uid: root.bindPrefix + "/Bms/TestOutput/Result"
		preferredVisible: dataItem.valid && String(dataItem.value).length > 0
		secondaryText: ""
		caption: dataItem.valid ? String(dataItem.value) : ""
	}

	component TestPair: Column {
		id: pair

		required property string prefix
		required property string name
		required property string label
		readonly property bool preferredVisible: onRow.preferredVisible

		signal startRequested(string uid, string outputLabel, int level)

		width: parent ? parent.width : 0

		RelayTestButton {
			id: onRow
			width: pair.width
			outputLabel: pair.label
			level: 1
			uid: pair.prefix + "/Bms/TestOutput/" + pair.name
			onStartRequested: pair.startRequested(onRow.uid, onRow.outputLabel, onRow.level)
		}

		RelayTestButton {
			id: offRow
			width: pair.width
			outputLabel: pair.label
			level: 2
			uid: pair.prefix + "/Bms/TestOutput/" + pair.name
			onStartRequested: pair.startRequested(offRow.uid, offRow.outputLabel, offRow.level)
		}
	}

	TestPair {
		id: testLoad
		prefix: root.bindPrefix
		name: "Load"
		label: qsTr("Load output")
		onStartRequested: (uid, outputLabel, level) => root.confirm(uid, outputLabel, level)
	}

	TestPair {
		id: testCharge
		prefix: root.bindPrefix
		name: "Charge"
		label: qsTr("Charge output")
		onStartRequested: (uid, outputLabel, level) => root.confirm(uid, outputLabel, level)
	}

	TestPair {
		id: testPreAlarm
		prefix: root.bindPrefix
		name: "PreAlarm"
		label: qsTr("Pre-alarm output")
		onStartRequested: (uid, outputLabel, level) => root.confirm(uid, outputLabel, level)
	}

	Component {
		id: relayTestDialog

		ModalWarningDialog {
			id: dialog

			property string uid
			property string outputLabel
			property int level

			title: dialog.level === 1
					? qsTr("Force the %1 on?").arg(dialog.outputLabel.toLowerCase())
					: qsTr("Force the %1 off?").arg(dialog.outputLabel.toLowerCase())
			description: qsTr("This switches the real %1 and every device wired to it. "
					+ "Loads or chargers may switch on or off. Stop the test on this page; "
					+ "turning dry run off ends every test.")
					.arg(dialog.outputLabel.toLowerCase())
			dialogDoneOptions: VenusOS.ModalDialog_DoneOptions_OkAndCancel
			acceptText: qsTr("Start test")
			onAccepted: testTarget.setValue(dialog.level)

			VeQuickItem {
				id: testTarget
				uid: dialog.uid
			}
		}
	}
}
