# Two date styles: prose writes the month out ("25 november 2026"), lists and tables abbreviate it
# ("25 nov 2026"). Django's Swedish default for lists is ISO (2026-11-25), which reads as a code.
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j b Y"
DATETIME_FORMAT = "j F Y H:i"
SHORT_DATETIME_FORMAT = "j b Y H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1
# What a typed date may look like (the date inputs send ISO; people type Swedish styles too).
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%d.%m.%Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
