"""The audit viewer: the policy division and auditors filter and export the audit log.

It sits on top of the app graph (it reads users and departments from `orgs`), so that `audit`
itself imports no app but `lib`.
"""
