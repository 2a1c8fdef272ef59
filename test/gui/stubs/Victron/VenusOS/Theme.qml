// Stand-in for gui-v2's Theme singleton (src/theme.h + themes/*.json, dark mode, 7-inch
// geometry): only the properties the plugin uses, with the real values.
pragma Singleton
import QtQuick

QtObject {
	readonly property color color_white: "#FFFFFF"
	readonly property color color_black: "#000000"
	readonly property color color_blue: "#387DC5"
	readonly property color color_green: "#72B84C"
	readonly property color color_red: "#F35C58"
	readonly property color color_orange: "#F0962E"
	readonly property color color_gray1: "#11263B"
	readonly property color color_gray2: "#27384B"
	readonly property color color_gray4: "#64717F"
	readonly property color color_gray5: "#969591"
	readonly property color color_font_primary: color_white
	readonly property color color_font_secondary: color_gray5
	readonly property color color_page_background: color_black
	readonly property color color_background_secondary: color_gray1
	readonly property color color_listItem_background: color_background_secondary
	readonly property color color_listItem_secondaryText: color_gray5
	readonly property color color_listItem_separator: color_gray4
	readonly property color color_listItem_forwardIcon: color_gray5
	readonly property color color_ok: color_blue
	readonly property color color_warning: color_orange
	readonly property color color_critical: color_red

	readonly property int font_size_caption: 14
	readonly property int font_size_body1: 16
	readonly property int font_size_body2: 18
	readonly property int font_size_body3: 22
	readonly property int font_listItem_primary_size: font_size_body2
	readonly property int font_listItem_secondary_size: font_size_body2
	readonly property int font_listItem_caption_size: font_size_body1
	readonly property int font_listItem_flat_primary_size_flat: font_size_body1

	readonly property int geometry_screen_width: 1024
	readonly property int geometry_screen_height: 600
	readonly property int geometry_page_content_horizontalMargin: 40
	readonly property int geometry_listItem_width: 944
	readonly property int geometry_listItem_height: 64
	readonly property int geometry_listItem_radius: 8
	readonly property int geometry_listItem_content_horizontalMargin: 24
	readonly property int geometry_listItem_content_verticalMargin: 16
	readonly property int geometry_listItem_content_spacing: 16
	readonly property int geometry_gradientList_bottomMargin: 16
}
