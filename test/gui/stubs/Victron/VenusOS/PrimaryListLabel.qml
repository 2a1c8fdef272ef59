// Stand-in for gui-v2's PrimaryListLabel (components/listitems/core/PrimaryListLabel.qml).
import QtQuick

Label {
	readonly property bool effectiveVisible: preferredVisible
	property bool preferredVisible: true

	width: parent ? parent.width : 0
	height: preferredVisible ? implicitHeight : 0
	visible: preferredVisible
	topPadding: preferredVisible ? Theme.geometry_listItem_content_verticalMargin : 0
	bottomPadding: preferredVisible ? Theme.geometry_listItem_content_verticalMargin : 0
	leftPadding: Theme.geometry_listItem_content_horizontalMargin
	rightPadding: Theme.geometry_listItem_content_horizontalMargin
	font.pixelSize: Theme.font_listItem_flat_primary_size_flat
	wrapMode: Text.Wrap
}
