"""Packaging that setup.cfg cannot express: the top-level knowledge_base/ ships inside the
package as ``ppp_expert/knowledge_base`` (package data), so an installed ppp-expert finds it."""

from setuptools import find_packages, setup

KB_PACKAGES = ["ppp_expert.knowledge_base", "ppp_expert.knowledge_base.rules"]
# The case library ships too: `ppp-expert train` exercises its cases (ppp_expert/case_library).
CASE_PACKAGES = ["ppp_expert.case_library"]

setup(
    packages=find_packages(include=["ppp_expert", "ppp_expert.*"]) + KB_PACKAGES + CASE_PACKAGES,
    package_dir={"ppp_expert.knowledge_base": "knowledge_base", "ppp_expert.case_library": "cases"},
    package_data={
        "ppp_expert.knowledge_base": ["*.yaml"],
        "ppp_expert.knowledge_base.rules": ["*.yaml"],
        "ppp_expert.content": ["*.yaml"],
        "ppp_expert.templates": ["*.j2"],
        "ppp_expert.case_library": ["*.yaml", "*.yml", "*.json"],
    },
)
