/*
** dbus-smallbms gui-v2 plugin: the top of the device page. The state in the smallBMS NG
** colours (level 0 green, 1 red blinking, 2 red steady, -1 neutral; the blinking phase comes
** from the page), dry run, the countdowns, the last event (the service's line, in the GX's
** time zone and in plain words) and the battery.
*/

import QtQuick
import Victron.VenusOS

SettingsColumn {
	id: root

	required property string bindPrefix
	required property int level
	required property bool blinkOn

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

	function levelColor(l) {
		if (l === 0) {
			return Theme.color_green
		} else if (l >= 1) {
			return Theme.color_red
		}
		return Theme.color_font_secondary
	}

	function formatSeconds(value) {
		const total = Math.max(0, Math.ceil(Number(value)))
		if (total < 120) {
			return qsTr("%1 s").arg(total)
		}
		const minutes = Math.floor(total / 60)
		const seconds = total % 60
		return qsTr("%1 min %2 s").arg(minutes).arg(seconds)
	}

	width: parent ? parent.width : 0

	VeQuickItem { id: stateItem; uid: root.bindPrefix + "/Bms/State" }

	ListItem {
		objectName: "stateRow"
		preferredVisible: stateItem.valid
		contentItem: Item {
			implicitWidth: Theme.geometry_listItem_width
			implicitHeight: 32

			Label {
				anchors.left: parent.left
				anchors.verticalCenter: parent.verticalCenter
				text: qsTr("State")
				font.pixelSize: Theme.font_listItem_primary_size
			}

			Row {
				anchors.right: parent.right
				anchors.verticalCenter: parent.verticalCenter
				spacing: 12

				Rectangle {
					objectName: "stateLed"
					anchors.verticalCenter: parent.verticalCenter
					width: 18
					height: 18
					radius: 9
					color: root.levelColor(root.level)
					opacity: root.level === 1 && !root.blinkOn ? 0.15 : 1
				}

				Label {
					anchors.verticalCenter: parent.verticalCenter
					text: root.stateName(stateItem.value)
					color: root.levelColor(root.level)
					font.pixelSize: Theme.font_listItem_secondary_size
				}
			}
		}
	}

	ListText {
		text: qsTr("Dry run")
		secondaryText: qsTr("Outputs are not driven")
		secondaryTextColor: Theme.color_orange
		preferredVisible: dryRunStatus.valid && dryRunStatus.value === 1

		VeQuickItem { id: dryRunStatus; uid: root.bindPrefix + "/Bms/DryRun" }
	}

	ListText {
		text: qsTr("Loads off in")
		dataItem.uid: root.bindPrefix + "/Bms/Countdown/LoadDisconnect"
		preferredVisible: dataItem.valid
		secondaryText: dataItem.valid ? root.formatSeconds(dataItem.value) : ""
		secondaryTextColor: Theme.color_red
	}

	ListText {
		text: qsTr("Low SoC shutdown in")
		dataItem.uid: root.bindPrefix + "/Bms/Countdown/LowSocShutdown"
		preferredVisible: dataItem.valid
		secondaryText: dataItem.valid ? root.formatSeconds(dataItem.value) : ""
		secondaryTextColor: Theme.color_red
	}

	ListText {
		text: qsTr("Last event")
		dataItem.uid: root.bindPrefix + "/Bms/LastEvent"
		preferredVisible: dataItem.valid && String(dataItem.value).length > 0
		secondaryText: ""
		caption: dataItem.valid ? String(dataItem.value) : ""
	}

	ListQuantity {
		text: qsTr("State of charge")
		dataItem.uid: root.bindPrefix + "/Soc"
		preferredVisible: dataItem.valid
		unit: VenusOS.Units_Percentage
	}

	ListQuantity {
		text: qsTr("Voltage")
		dataItem.uid: root.bindPrefix + "/Dc/0/Voltage"
		preferredVisible: dataItem.valid
		unit: VenusOS.Units_Volt_DC
		decimals: 2
	}

	ListQuantity {
		text: qsTr("Current")
		dataItem.uid: root.bindPrefix + "/Dc/0/Current"
		preferredVisible: dataItem.valid
		unit: VenusOS.Units_Amp
		decimals: 1
	}

	ListText {
		text: qsTr("Charge detected")
		dataItem.uid: root.bindPrefix + "/Bms/ChargeDetected"
		preferredVisible: dataItem.valid
		secondaryText: dataItem.value === 1 ? qsTr("Yes") : qsTr("No")
	}
}
