# A package manager command whose output berth reads: in the C locale, so its words are the ones berth expects.
export LC_ALL=C
{{command}}
