// Stand-in for gui-v2's GradientListView / BaseListView (components/BaseListView.qml).
import QtQuick

ListView {
	width: parent ? parent.width : 0
	height: parent ? parent.height : 0
	leftMargin: Theme.geometry_page_content_horizontalMargin
	rightMargin: Theme.geometry_page_content_horizontalMargin
	bottomMargin: Theme.geometry_gradientList_bottomMargin
	spacing: 8
	boundsBehavior: Flickable.StopAtBounds
	contentWidth: width - leftMargin - rightMargin
}
