# parasite
