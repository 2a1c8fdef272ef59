// Stand-in for gui-v2's VenusOS enums (src/enums.h): only the enums the plugin uses, with the
// same names and values.
import QtQml

QtObject {
	enum Units_Type {
		Units_None = 0,
		Units_Amp = 1,
		Units_AmpHour = 2,
		Units_Percentage = 20,
		Units_Time_Second = 33,
		Units_Volt_DC = 37,
		Units_Watt = 42
	}

	enum Alarm_Level {
		Alarm_Level_OK,
		Alarm_Level_Warning,
		Alarm_Level_Alarm
	}

	enum User_AccessType {
		User_AccessType_User,
		User_AccessType_Installer,
		User_AccessType_SuperUser,
		User_AccessType_Service
	}

	enum ModalDialog_DoneOptions {
		ModalDialog_DoneOptions_NoOptions,
		ModalDialog_DoneOptions_CancelOnly,
		ModalDialog_DoneOptions_OkOnly,
		ModalDialog_DoneOptions_OkAndCancel,
		ModalDialog_DoneOptions_SetAndCancel
	}
}
