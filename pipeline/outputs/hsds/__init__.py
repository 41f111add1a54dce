"""Open Referral HSDS 3.0 export of the listings, and its validation against the official schemas.
Imports `store`, `flags` and `ids`.
"""
