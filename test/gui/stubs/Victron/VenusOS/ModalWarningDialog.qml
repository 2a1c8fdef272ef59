// Stand-in for gui-v2's ModalWarningDialog (components/dialogs/ModalWarningDialog.qml).
import QtQuick

ModalDialog {
	id: root

	property string description
	property alias icon: alarmIcon

	contentItem: Column {
		spacing: 16

		Rectangle {
			id: alarmIcon
			anchors.horizontalCenter: parent.horizontalCenter
			width: 40
			height: 40
			radius: 20
			color: Theme.color_red
		}

		Label {
			width: parent.width
			text: root.description
			wrapMode: Text.Wrap
			horizontalAlignment: Text.AlignHCenter
		}
	}
}
