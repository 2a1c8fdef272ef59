// Stand-in for gui-v2's ListItem (components/listitems/core/ListItem.qml) on top of
// AbstractListItem (src/abstractlistitem.h, a QQuickControl with preferredVisible and
// effectiveVisible).
import QtQuick
import QtQuick.Templates as T

T.Control {
	id: root

	property bool preferredVisible: true
	readonly property bool effectiveVisible: preferredVisible
	readonly property real horizontalContentPadding: flat ? 0 : Theme.geometry_listItem_content_horizontalMargin
	property int textFormat: Text.AutoText
	property bool flat
	property bool hasSubMenu

	visible: effectiveVisible
	width: parent ? parent.width : implicitWidth
	height: visible ? Math.max(implicitHeight, Theme.geometry_listItem_height) : 0
	implicitWidth: Theme.geometry_listItem_width
	implicitHeight: implicitContentHeight + topPadding + bottomPadding
	leftPadding: horizontalContentPadding
	rightPadding: horizontalContentPadding
	topPadding: Theme.geometry_listItem_content_verticalMargin
	bottomPadding: Theme.geometry_listItem_content_verticalMargin
	spacing: Theme.geometry_listItem_content_spacing
	font.pixelSize: Theme.font_listItem_primary_size

	background: Rectangle {
		color: root.flat ? "transparent" : Theme.color_listItem_background
		radius: Theme.geometry_listItem_radius
	}
}
