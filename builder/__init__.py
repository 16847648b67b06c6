"""Turns 政府信息公开工作年度报告 into checked JSON and a static site."""
