// Stand-in for gui-v2's ListSetting (components/listitems/core/ListSetting.qml).
import QtQuick

ListItem {
	id: root

	property string text
	property string caption
	property int showAccessLevel: VenusOS.User_AccessType_User
	property int writeAccessLevel: VenusOS.User_AccessType_Installer
	readonly property bool userHasWriteAccess: Global.systemSettings.canAccess(writeAccessLevel)
	readonly property bool userHasReadAccess: Global.systemSettings.canAccess(showAccessLevel)
	property bool interactive
	readonly property bool clickable: enabled && interactive && userHasWriteAccess
	property color indicatorColor: Qt.rgba(0, 0, 0, 0)
	property int toast

	function checkWriteAccessLevel() {
		return userHasWriteAccess
	}
}
