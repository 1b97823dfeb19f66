"""ISO 4217 currency codes a case's figures may be stated in (data only).

The active codes of national and supranational currencies, plus codes withdrawn since 2000 that
older projects' business cases were written in (EEK, HRK, LTL ...). Fund units, precious metals
and the testing codes (XAU, XTS, XXX ...) are not currencies a budget is kept in and are refused.
"""

from __future__ import annotations

ACTIVE = frozenset("""
AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD
KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN
NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP
SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES
VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
""".split())
WITHDRAWN = frozenset("ANG BYR CUC EEK HRK LTL LVL MRO SKK SLL STD VEF ZMK ZWL".split())
CURRENCIES = ACTIVE | WITHDRAWN
