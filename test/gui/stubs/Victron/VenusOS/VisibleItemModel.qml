// Stand-in for gui-v2's VisibleItemModel (src/visibleitemmodel.h, a QQmlInstanceModel whose
// default property holds items). The real model drops items whose effectiveVisible is false;
// the stand-in keeps them, and hidden list items collapse to zero height instead.
import QtQml.Models

ObjectModel {
}
