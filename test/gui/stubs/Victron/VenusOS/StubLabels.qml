// Stand-in layout (gui-v2's ThreeLabelLayout): primary text left, secondary right, caption below.
import QtQuick

Item {
	id: root

	property string primaryText
	property string secondaryText
	property color secondaryColor: Theme.color_listItem_secondaryText
	property string captionText
	property int textFormat: Text.AutoText
	property real trailingSpace: 0

	implicitWidth: Theme.geometry_listItem_width
	implicitHeight: Math.max(primary.implicitHeight, secondary.implicitHeight)
			+ (caption.visible ? caption.height + 6 : 0)

	Label {
		id: primary
		anchors.left: parent.left
		anchors.top: parent.top
		width: Math.min(implicitWidth, parent.width - secondary.implicitWidth - root.trailingSpace - 16)
		text: root.primaryText
		textFormat: root.textFormat
		elide: Text.ElideRight
		font.pixelSize: Theme.font_listItem_primary_size
	}

	Label {
		id: secondary
		anchors.right: parent.right
		anchors.rightMargin: root.trailingSpace
		anchors.top: parent.top
		text: root.secondaryText
		color: root.secondaryColor
		font.pixelSize: Theme.font_listItem_secondary_size
	}

	Text {
		id: caption
		width: root.width
		height: caption.contentHeight
		anchors.top: primary.bottom
		anchors.topMargin: 6
		visible: text.length > 0
		text: root.captionText
		wrapMode: Text.Wrap
		color: Theme.color_font_secondary
		font.pixelSize: Theme.font_listItem_caption_size
	}
}
