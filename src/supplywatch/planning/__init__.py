"""Stocks and the joint stockpile: days of cover now; the planner and Monte Carlo later."""
