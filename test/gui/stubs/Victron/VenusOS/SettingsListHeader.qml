// Stand-in for gui-v2's SettingsListHeader (components/listitems/core/SettingsListHeader.qml).
import QtQuick

Label {
	readonly property bool effectiveVisible: preferredVisible
	property bool preferredVisible: true

	width: Math.max(implicitWidth, 1)
	height: preferredVisible ? implicitHeight : 0
	visible: preferredVisible
	topPadding: preferredVisible ? 16 : 0
	bottomPadding: preferredVisible ? 4 : 0
	leftPadding: Theme.geometry_listItem_content_horizontalMargin
	color: Theme.color_font_secondary
	font.pixelSize: Theme.font_size_body1
}
