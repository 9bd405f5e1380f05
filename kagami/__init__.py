"""Kagami: governance of a municipality's official social media accounts."""
