// Stand-in for gui-v2's Label (components/controls/Label.qml).
import QtQuick
import QtQuick.Templates as T

T.Label {
	color: Theme.color_font_primary
	font.pixelSize: Theme.font_size_body1
	verticalAlignment: Text.AlignVCenter
}
