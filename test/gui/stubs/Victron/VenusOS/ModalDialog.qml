// Stand-in for gui-v2's ModalDialog (components/dialogs/ModalDialog.qml, a T.Dialog).
import QtQuick
import QtQuick.Templates as T

T.Dialog {
	id: root

	property string secondaryTitle
	property int titleTextFormat: Text.AutoText
	property color backgroundColor: Theme.color_background_secondary
	property int dialogDoneOptions: VenusOS.ModalDialog_DoneOptions_SetAndCancel
	property bool canAccept: true
	property bool headerShowsTitles: true
	property var tryAccept
	property var tryReject
	property string acceptText: dialogDoneOptions === VenusOS.ModalDialog_DoneOptions_SetAndCancel ? "Set" : "OK"
	property string rejectText: "Cancel"

	modal: true
	x: ((parent ? parent.width : Theme.geometry_screen_width) - width) / 2
	y: ((parent ? parent.height : Theme.geometry_screen_height) - height) / 2
	implicitWidth: 624
	implicitHeight: implicitHeaderHeight + implicitContentHeight + implicitFooterHeight
			+ topPadding + bottomPadding
	padding: 24

	T.Overlay.modal: Rectangle {
		color: "#b0000000"
	}

	background: Rectangle {
		color: root.backgroundColor
		radius: 8
		border.color: Theme.color_gray4
	}

	header: Label {
		padding: 24
		text: root.title
		font.pixelSize: Theme.font_size_body3
		horizontalAlignment: Text.AlignHCenter
		wrapMode: Text.Wrap
	}

	footer: Row {
		width: root.width
		height: 64
		Label {
			width: root.width / 2
			height: parent.height
			horizontalAlignment: Text.AlignHCenter
			text: root.rejectText
		}
		Label {
			width: root.width / 2
			height: parent.height
			horizontalAlignment: Text.AlignHCenter
			text: root.acceptText
			color: Theme.color_blue
		}
	}
}
