"""The laboratory's numbers: regions, backprop, preimages, chains, linearization error, one point.

Plain numpy functions of a numeric mapping; the window's tools draw what they return.
"""
