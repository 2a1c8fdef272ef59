// Stand-in for gui-v2's ListQuantity (components/listitems/core/ListQuantity.qml).
import QtQuick

ListSetting {
	id: root

	readonly property alias dataItem: dataItem
	property real value: dataItem.valid ? dataItem.value : NaN
	property color valueColor: Theme.color_font_primary
	property int unit: VenusOS.Units_None
	property color unitColor: Theme.color_font_secondary
	property int decimals: -1
	property int formatHints

	readonly property string _unitText: {
		switch (root.unit) {
		case VenusOS.Units_Amp: return "A"
		case VenusOS.Units_AmpHour: return "Ah"
		case VenusOS.Units_Percentage: return "%"
		case VenusOS.Units_Time_Second: return "s"
		case VenusOS.Units_Volt_DC: return "V"
		case VenusOS.Units_Watt: return "W"
		default: return ""
		}
	}

	contentItem: StubLabels {
		primaryText: root.text
		textFormat: root.textFormat
		secondaryText: isNaN(root.value) ? "--"
				: root.value.toFixed(root.decimals < 0 ? 0 : root.decimals) + root._unitText
		secondaryColor: root.valueColor
		captionText: root.caption
	}

	VeQuickItem {
		id: dataItem
	}
}
