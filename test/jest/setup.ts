import 'gradcheck/jest'
