// Test-only fake of gui-v2's backend (VeQItemProducer): uid -> value. Not part of the plugin.
pragma Singleton
import QtQml

QtObject {
	property var values: ({})
	property var texts: ({})
	property var writes: []
	property int revision: 0

	function valueOf(uid) {
		return Object.prototype.hasOwnProperty.call(values, uid) ? values[uid] : undefined
	}

	function textOf(uid) {
		return Object.prototype.hasOwnProperty.call(texts, uid) ? texts[uid] : ""
	}

	function load(map) {
		values = map
		revision++
	}

	function write(uid, value) {
		writes.push({ uid: uid, value: value })
		console.log("WRITE " + uid + " = " + JSON.stringify(value))
		const copy = values
		copy[uid] = value
		values = copy
		revision++
		return 0
	}
}
