// Stand-in for gui-v2's SettingsColumn (components/SettingsColumn.qml).
import QtQuick

FocusScope {
	id: root

	property bool preferredVisible: true
	property bool effectiveVisible: preferredVisible
	property alias spacing: contentColumn.spacing
	property alias leftPadding: contentColumn.leftPadding
	property alias rightPadding: contentColumn.rightPadding
	property alias topPadding: contentColumn.topPadding
	property alias bottomPadding: contentColumn.bottomPadding
	default property alias _data: contentColumn.data

	visible: effectiveVisible
	implicitWidth: contentColumn.implicitWidth
	implicitHeight: visible ? contentColumn.implicitHeight : 0
	height: implicitHeight

	Column {
		id: contentColumn
		width: parent.width
		spacing: 8
	}
}
