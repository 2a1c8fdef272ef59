// Stand-in for gui-v2's Device (src/device.h, src/basedevice.h).
import QtQml

QtObject {
	property string serviceUid
	readonly property string serviceType: serviceUid.split("/").length > 1 ? serviceUid.split("/")[1] : ""
	property int deviceInstance: -1
	property int productId
	property string productName
	property string customName
	property string name: customName.length > 0 ? customName : productName
	readonly property bool valid: serviceUid.length > 0 && deviceInstance >= 0
}
