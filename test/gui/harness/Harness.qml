// Render harness for the plugin pages (test only).
//
//   QT_QPA_PLATFORM=offscreen QML_XHR_ALLOW_FILE_READ=1 qml -I test/gui/stubs test/gui/harness/Harness.qml -- \
//       <page.qml> <scenario> <out.png> [action|-] [service-values.json]
//
// Feeds the stand-in VeQuickItems with the scenario's values: the values the service itself
// publishes at start (service-values.json, made by test/gui/qt.ts from the service's own path
// table, so the page is tried with what the service really sets, e.g. the relay-test paths
// valid at 0), then scenarios.json's battery defaults and the scenario's overrides. Creates the page the way gui-v2
// does (Device.qml gets `device`), grows the window to the page's full list height, then
// prints what a person would read (every visible text, one "TEXT\t..." line each), samples the
// state LED for 1.2 s ("LED\t<color>\t<opacity>"), saves a PNG and quits.
// action "relay-test" clicks "Test load output" first, which opens the confirmation dialog
// (the window then keeps the GX screen size, 1024x600); after the screenshot it accepts the
// dialog and switches the software remote off, and MockBackend prints each write ("WRITE").
import QtQuick
import QtQuick.Window
import Victron.VenusOS
import SmallBmsHarness

Window {
	id: win

	readonly property var args: {
		const all = Qt.application.arguments
		const i = all.indexOf("--")
		return i >= 0 ? all.slice(i + 1) : []
	}
	readonly property string pageFile: args[0] || ""
	readonly property string scenario: args[1] || "normal"
	readonly property string outFile: args[2] || "/tmp/smallbms-page.png"
	readonly property string action: args[3] && args[3] !== "-" ? args[3] : ""
	readonly property string serviceValuesFile: args[4] || ""
	property Page page
	property int ledSamples: 0
	property int layoutRounds: 0

	width: Theme.geometry_screen_width
	height: Theme.geometry_screen_height
	visible: true
	color: Theme.color_page_background

	function fail(message) {
		console.log("HARNESS-ERROR\t" + message)
		Qt.exit(2)
	}

	// scenarios.json -> { uid: value }: settings, then the battery defaults with the scenario's
	// overrides (null = invalid) unless the scenario's battery is null (no battery service).
	function scenarioValues(name) {
		const request = new XMLHttpRequest() // qmllint disable unqualified
		request.open("GET", Qt.resolvedUrl("scenarios.json"), false)
		request.send()
		const data = JSON.parse(request.responseText)
		const scenario = data.scenarios[name]
		if (scenario === undefined) {
			fail("unknown scenario " + name)
			return null
		}
		const values = {}
		for (const key in data.settings) {
			values[data.settingsUid + key] = data.settings[key]
		}
		if (scenario.battery !== null) {
			let service = {}
			if (win.serviceValuesFile !== "") {
				const own = new XMLHttpRequest() // qmllint disable unqualified
				own.open("GET", "file://" + win.serviceValuesFile, false)
				own.send()
				service = JSON.parse(own.responseText)
			}
			const battery = Object.assign({}, service, data.battery, scenario.battery)
			for (const key in battery) {
				if (battery[key] !== null) {
					values[data.batteryUid + key] = battery[key]
				}
			}
		}
		return values
	}

	function findItem(item, predicate) {
		if (predicate(item)) {
			return item
		}
		const kids = item.children || []
		for (let i = 0; i < kids.length; ++i) {
			const found = findItem(kids[i], predicate)
			if (found) {
				return found
			}
		}
		return null
	}

	function isShown(item) {
		for (let p = item; p; p = p.parent) {
			if (!p.visible || p.opacity === 0 || p.height === 0) {
				return false
			}
		}
		return true
	}

	function dumpTexts(item) {
		if (typeof item.text === "string" && item.contentWidth !== undefined
				&& item.font !== undefined && item.text.length > 0 && isShown(item)) {
			console.log("TEXT\t" + item.text.replace(/\n/g, " "))
		}
		const kids = item.children || []
		for (let i = 0; i < kids.length; ++i) {
			dumpTexts(kids[i])
		}
	}

	Component.onCompleted: {
		const values = scenarioValues(scenario)
		if (values === null) {
			return
		}
		MockBackend.load(values)
		Global.dialogParent = win.contentItem
		const component = Qt.createComponent(Qt.resolvedUrl(pageFile))
		if (component.status !== Component.Ready) {
			fail(component.errorString())
			return
		}
		const properties = pageFile.endsWith("Device.qml") ? { device: device } : { title: "dbus-smallbms" }
		page = component.createObject(pageArea, properties)
		if (!page) {
			fail("could not create " + pageFile)
			return
		}
		layoutTimer.start()
	}

	Device {
		id: device
		serviceUid: "dbus/com.victronenergy.battery.smallbms"
		deviceInstance: 512
		productId: 0xB0F1
		productName: "smallBMS NG (GX)"
	}

	Rectangle {
		id: titleBar
		width: parent.width
		height: 56
		color: Theme.color_page_background

		Label {
			anchors.centerIn: parent
			text: win.page ? win.page.title : ""
			font.pixelSize: Theme.font_size_body2
		}
	}

	Item {
		id: pageArea
		anchors.top: titleBar.bottom
		anchors.bottom: parent.bottom
		width: parent.width
	}

	Timer {
		id: layoutTimer
		interval: 100
		onTriggered: {
			// A ListView only lays out what is near the viewport: make it lay out everything, then
			// grow the window until the whole list fits (a few rounds, the estimate converges).
			const list = win.findItem(win.page, (i) => i.contentHeight !== undefined && i.model !== undefined)
			if (list && win.action === "") {
				list.cacheBuffer = 100000
				list.forceLayout()
				const wanted = titleBar.height + list.contentHeight + list.bottomMargin + 8
				if (Math.abs(wanted - win.height) > 1 && win.layoutRounds < 5) {
					win.layoutRounds++
					win.height = wanted
					layoutTimer.start()
					return
				}
			}
			if (win.action === "relay-test") {
				const button = win.findItem(win.page, (i) => i.outputLabel === "Load output" && i.level === 1 && i.click !== undefined)
				if (!button) {
					win.fail("no relay test button")
					return
				}
				button.click()
			}
			sampleTimer.start()
		}
	}

	Timer {
		id: sampleTimer
		interval: 300
		repeat: true
		onTriggered: {
			const led = win.findItem(win.page, (i) => i.objectName === "stateLed")
			if (led) {
				console.log("LED\t" + led.color + "\t" + led.opacity)
			}
			win.ledSamples++
			if (win.ledSamples >= 4) {
				stop()
				win.dumpTexts(win.contentItem)
				win.contentItem.grabToImage(function(result) {
					if (!result.saveToFile(win.outFile)) {
						win.fail("could not save " + win.outFile)
						return
					}
					console.log("SAVED\t" + win.outFile)
					if (win.action === "relay-test") {
						// Confirm the dialog, then switch the system off: both must write.
						Global.lastDialog.accept()
						const modeSwitch = win.findItem(win.page, (i) => i.dataItem !== undefined
								&& i.toggleDataValue !== undefined && i.dataItem.uid.endsWith("/Mode"))
						modeSwitch.click()
					}
					Qt.exit(0)
				})
			}
		}
	}
}
