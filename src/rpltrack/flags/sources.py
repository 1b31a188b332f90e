"""Short citations for the source ids of the clinical reference, as the app shows them beside a flag."""

from __future__ import annotations

SOURCES: dict[str, str] = {
    "S1": "ESHRE guideline: recurrent pregnancy loss, 2022 update (Hum Reprod Open 2023)",
    "S2": "ESHRE guideline: recurrent pregnancy loss (Hum Reprod Open 2018)",
    "S3": "RPL definitions table (J Clin Med 2023;12:4768, Table 1)",
    "S4": "ASRM committee opinion: evaluation and treatment of RPL (Fertil Steril 2012)",
    "S5": "ASRM committee opinion: definitions of infertility and RPL (Fertil Steril 2013; 2020)",
    "S6": "RCOG Green-top Guideline 17: Recurrent Miscarriage (BJOG 2023)",
    "S7": "Revised Sapporo (Sydney) APS classification criteria (J Thromb Haemost 2006)",
    "S8": "2023 ACR/EULAR APS classification criteria (Ann Rheum Dis 2023)",
    "S9": "ACOG Practice Bulletin 132: antiphospholipid syndrome (2012)",
    "S10": "American Thyroid Association pregnancy guideline (Thyroid 2017)",
    "S11": "American Thyroid Association quick reference: thyroid disease in pregnancy (2025)",
    "S12": "ASRM guideline: subclinical hypothyroidism in infertile women (2015; 2024)",
    "S13": "Barnhart 2004: hCG curves in early viable pregnancy (Obstet Gynecol)",
    "S14": "Seeber 2006: redefined hCG curves (Fertil Steril)",
    "S15": "Barnhart 2016: hCG rise by value at presentation (Obstet Gynecol)",
    "S16": "Barnhart 2004: decline of hCG after spontaneous loss (Obstet Gynecol)",
    "S19": "Low beta after frozen blastocyst transfer (J Ovarian Res 2020)",
    "S23": "4Ts score for heparin-induced thrombocytopenia (Crit Care review)",
    "S24": "ASH 2018 guideline: heparin-induced thrombocytopenia (Blood Adv)",
    "S25": "BCSH 2012 guideline: heparin-induced thrombocytopenia (Br J Haematol)",
    "S28": "Enoxaparin and dalteparin patient information (warning signs)",
    "S29": "Progesterone levels at frozen embryo transfer (Labarta 2017; Gaggiotti-Marre 2020; others)",
    "S30": "Lab unit conversion references (§13)",
    "S31": "Glucocorticoids in IVF and RPL (Cochrane 2022; Yildirim 2006)",
    "S33": "ACOG/SMFM 2021 advisory on low-dose aspirin; ASPRE trial",
    "S34": "Cochrane 2014: immunotherapy for recurrent miscarriage",
    "S35": "Vitamin D status definitions (Endocrine Society 2011; IOM 2011)",
    "S36": "American Diabetes Association Standards of Care 2025",
    "S37": "Platelet reference range (150-450 x10^9/L)",
    "S38": "ASRM Choosing Wisely: prolactin testing",
    "S39": "Lupus anticoagulant false positives on anticoagulants (J Med Case Rep 2022)",
    "S40": "Patient-reported TSH targets (forums; Abalovich 2010)",
    "S41": "Patient education on beta-hCG",
    "app": "rpltrack convention (not a clinical number)",
}


def cite(source_id: str) -> str:
    """'S15' -> '[S15] Barnhart 2016: ...'; an unknown id is shown as it is."""
    text = SOURCES.get(source_id)
    return f"[{source_id}] {text}" if text else f"[{source_id}]"
