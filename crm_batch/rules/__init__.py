"""Business rules: functions from DataFrames to DataFrames, with the reason (判定依据) attached.

A rule module never reads a file or writes a workbook.
"""
