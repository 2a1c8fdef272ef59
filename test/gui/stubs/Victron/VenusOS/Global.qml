// Stand-in for gui-v2's Global singleton (Global.qml): the members the plugin uses, typed `var`
// as in gui-v2.
// dialogLayer.open() and pageManager.pushPage() keep what they were asked in `calls`, and the
// dialog layer also creates the dialog under `dialogParent` so a test can look at it.
pragma Singleton
import QtQuick

QtObject {
	id: global

	property Item dialogParent
	property var calls: []
	property var lastDialog: null

	property var systemSettings: QtObject {
		property string serviceUid: "dbus/com.victronenergy.settings"
		function canAccess(level) {
			return true
		}
	}

	property var dialogLayer: QtObject {
		function open(component, properties) {
			global.calls.push({ kind: "dialog", properties: properties })
			const dialog = component.createObject(global.dialogParent, properties || {})
			if (dialog) {
				dialog.open()
			}
			global.lastDialog = dialog
			return dialog
		}
	}

	property var pageManager: QtObject {
		function pushPage(page, properties) {
			global.calls.push({ kind: "page", page: String(page), properties: properties })
		}
	}
}
