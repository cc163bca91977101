"""Vietnamese number formats: Django's, plus grouping by thousands (47.881.061).

Django's own ``vi`` formats set the separators but no ``NUMBER_GROUPING``, so a number the pages
ask to group (``floatformat:"0g"``, ``number_format(..., force_grouping=True)``) came out as
47881061 in Vietnamese while English showed 47,881,061.
"""

from django.conf.locale.vi.formats import *  # noqa: F403

NUMBER_GROUPING = 3
