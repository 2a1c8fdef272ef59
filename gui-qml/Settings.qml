/*
** dbus-smallbms gui-v2 plugin: Settings -> Integrations -> UI Plugins -> dbus-smallbms.
**
** gui-v2 (pages/settings/PageSettingsIntegrations.qml) opens this page with
** Global.pageManager.pushPage(url, { title: ... }). It edits the first bank's tunables
** (/Settings/SmallBms/Default/...); the device page of each bank edits that bank's own.
*/

import QtQuick
import Victron.VenusOS

Page {
	id: root

	readonly property string settingsPrefix: Global.systemSettings.serviceUid + "/Settings/SmallBms/Default"

	title: qsTr("smallBMS NG")

	GradientListView {
		model: VisibleItemModel {
			PrimaryListLabel {
				text: qsTr("dbus-smallbms runs the smallBMS NG protection logic on this GX: it reads "
						+ "the battery BMS lines and switches the load, charge and pre-alarm outputs. "
						+ "Its state, lines, outputs and events are on the battery's device page: "
						+ "Settings → Devices → smallBMS NG (GX) → smallBMS NG (the last entry). "
						+ "Changes here apply at once. Wiring (inputs, relays, system voltage) is set "
						+ "in /data/conf/smallbms.json.")
			}

			ListText {
				text: qsTr("Service")
				dataItem.uid: Global.systemSettings.serviceUid + "/Settings/SmallBms/Default/PreAlarmLead"
				secondaryText: dataItem.valid ? qsTr("Settings found") : qsTr("Not running yet")
				secondaryTextColor: dataItem.valid ? Theme.color_green : Theme.color_orange
			}

			SmallBmsTunables {
				settingsPrefix: root.settingsPrefix
			}
		}
	}
}
