// Stand-in for gui-v2's Page (components/Page.qml).
import QtQuick

FocusScope {
	id: root

	property string title
	property color backgroundColor: Theme.color_page_background
	property bool fullScreenWhenIdle
	readonly property bool isCurrentPage: true
	property bool animationEnabled
	property int topLeftButton
	property int topRightButton
	property var tryPop
	readonly property bool __is_venus_gui_page__: true

	width: parent ? parent.width : Theme.geometry_screen_width
	height: parent ? parent.height : Theme.geometry_screen_height
}
