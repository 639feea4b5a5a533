"""sendroute: advice, case files and letters for SEND complaints and disagreements in England."""

__version__ = "0.1.0"
