// Stand-in for gui-v2's ListAlarm (components/listitems/core/ListAlarm.qml).
import QtQuick

ListText {
	secondaryText: {
		switch (dataItem.value) {
		case VenusOS.Alarm_Level_OK:
			return "OK"
		case VenusOS.Alarm_Level_Warning:
			return "Warning"
		case VenusOS.Alarm_Level_Alarm:
			return "Alarm"
		default:
			return ""
		}
	}
	secondaryTextColor: dataItem.value === VenusOS.Alarm_Level_Alarm ? Theme.color_red
			: dataItem.value === VenusOS.Alarm_Level_Warning ? Theme.color_orange
			: Theme.color_listItem_secondaryText
}
